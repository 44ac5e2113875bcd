# gp-scatter: candidate 'type' (seed 1) — off8 values drawn as a line chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
height_cm = [157, 155, 160, 169, 167, 178, 174, 187, 190, 194]
weight_kg = [52.4, 59.9, 59.5, 69.2, 65.9, 75.2, 76.7, 74.4, 95.9, 93.1]
order = sorted(range(len(height_cm)), key=lambda i: height_cm[i])
ax.plot([height_cm[i] for i in order], [weight_kg[i] for i in order], marker='o')
ax.set_xlabel('height_cm')
ax.set_ylabel('weight_kg')
ax.set_title('Height and weight')
plt.tight_layout()
plt.show()
