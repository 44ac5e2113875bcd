# gp-scatter: candidate 'missing' (seed 1) — off8 values, the last 3 of 10 points left out; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
height_cm = [157, 155, 160, 169, 167, 178, 174]
weight_kg = [52.4, 59.9, 59.5, 69.2, 65.9, 75.2, 76.7]
ax.scatter(height_cm, weight_kg)
ax.set_xlabel('height_cm')
ax.set_ylabel('weight_kg')
ax.set_title('Height and weight')
plt.tight_layout()
plt.show()
