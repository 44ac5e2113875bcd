# chickwts-bar-labels: candidate 'missing' (seed 1) — off8 values, the last 2 of 6 categories left out; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
feed = ['sunflower', 'casein', 'meatmeal', 'soybean']
weight = [298, 358, 296, 269]
ax.bar([str(c) for c in feed], weight)
ax.set_xlabel('feed')
ax.set_ylabel('weight')
ax.set_title('Mean chick weight by feed (g)')
plt.tight_layout()
plt.show()
