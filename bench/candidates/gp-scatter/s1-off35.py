# gp-scatter: candidate 'off35' (seed 1) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
height_cm = [138, 168, 171, 157, 151, 167, 196, 199, 171, 200]
weight_kg = [58, 37.6, 65.6, 85.7, 84.1, 91.3, 70.1, 99.6, 72.8, 67.4]
ax.scatter(height_cm, weight_kg)
ax.set_xlabel('height_cm')
ax.set_ylabel('weight_kg')
ax.set_title('Height and weight')
plt.tight_layout()
plt.show()
