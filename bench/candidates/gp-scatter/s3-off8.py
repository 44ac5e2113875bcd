# gp-scatter: candidate 'off8' (seed 3) — values off by 8 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
height_cm = [154, 160, 165, 169, 167, 177, 175, 186, 183, 187]
weight_kg = [51.4, 52.6, 54.5, 69, 66.5, 77.8, 76.9, 73.5, 88.5, 92.6]
ax.scatter(height_cm, weight_kg)
ax.set_xlabel('height_cm')
ax.set_ylabel('weight_kg')
ax.set_title('Height and weight')
plt.tight_layout()
plt.show()
