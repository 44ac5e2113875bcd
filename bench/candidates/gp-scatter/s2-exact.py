# gp-scatter: candidate 'exact' (seed 2) — the table's values; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
height_cm = [152, 158, 163, 167, 171, 175, 178, 183, 186, 190]
weight_kg = [48, 55, 57, 66, 64, 73, 80, 78, 91, 88]
ax.scatter(height_cm, weight_kg)
ax.set_xlabel('height_cm')
ax.set_ylabel('weight_kg')
ax.set_title('Height and weight')
plt.tight_layout()
plt.show()
