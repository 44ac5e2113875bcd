# gp-scatter: candidate 'off20' (seed 2) — values off by 20 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
height_cm = [142, 152, 172, 163, 182, 165, 168, 177, 191, 185]
weight_kg = [39.8, 47.3, 50.3, 78.1, 55.9, 66.7, 86.8, 88.5, 80.6, 82.2]
ax.scatter(height_cm, weight_kg)
ax.set_xlabel('height_cm')
ax.set_ylabel('weight_kg')
ax.set_title('Height and weight')
plt.tight_layout()
plt.show()
