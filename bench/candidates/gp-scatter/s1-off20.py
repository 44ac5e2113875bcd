# gp-scatter: candidate 'off20' (seed 1) — values off by 20 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
height_cm = [158, 166, 169, 161, 176, 168, 170, 175, 196, 182]
weight_kg = [57.1, 64.6, 48.3, 59.6, 69.2, 85.3, 71.7, 70.8, 104, 94.5]
ax.scatter(height_cm, weight_kg)
ax.set_xlabel('height_cm')
ax.set_ylabel('weight_kg')
ax.set_title('Height and weight')
plt.tight_layout()
plt.show()
