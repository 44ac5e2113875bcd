# gp-scatter: candidate 'type' (seed 2) — off8 values drawn as a line chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
height_cm = [148, 154, 165, 171, 175, 178, 180, 185, 183, 186]
weight_kg = [51.2, 51.1, 54.6, 70.2, 68.3, 77.8, 85, 74, 89, 90.2]
order = sorted(range(len(height_cm)), key=lambda i: height_cm[i])
ax.plot([height_cm[i] for i in order], [weight_kg[i] for i in order], marker='o')
ax.set_xlabel('height_cm')
ax.set_ylabel('weight_kg')
ax.set_title('Height and weight')
plt.tight_layout()
plt.show()
