# gp-scatter: candidate 'off35' (seed 2) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
height_cm = [133, 150, 181, 182, 153, 165, 196, 170, 200, 170]
weight_kg = [58.6, 66.2, 44.1, 75.6, 47, 54.8, 87.7, 98.1, 80.9, 99.4]
ax.scatter(height_cm, weight_kg)
ax.set_xlabel('height_cm')
ax.set_ylabel('weight_kg')
ax.set_title('Height and weight')
plt.tight_layout()
plt.show()
