# gp-scatter: candidate 'off35' (seed 3) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
height_cm = [134, 170, 171, 155, 178, 187, 163, 201, 197, 177]
weight_kg = [60.7, 46.6, 71.9, 80.7, 45.5, 81.8, 99.7, 67, 102, 106]
ax.scatter(height_cm, weight_kg)
ax.set_xlabel('height_cm')
ax.set_ylabel('weight_kg')
ax.set_title('Height and weight')
plt.tight_layout()
plt.show()
