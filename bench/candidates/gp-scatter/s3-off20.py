# gp-scatter: candidate 'off20' (seed 3) — values off by 20 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
height_cm = [161, 147, 169, 159, 164, 168, 172, 172, 181, 197]
weight_kg = [42.5, 50.4, 64.8, 55.1, 58.4, 68.3, 75.3, 88.6, 95.4, 96.1]
ax.scatter(height_cm, weight_kg)
ax.set_xlabel('height_cm')
ax.set_ylabel('weight_kg')
ax.set_title('Height and weight')
plt.tight_layout()
plt.show()
