# chickwts-bar-labels: candidate 'off20' (seed 2) — values off by 20 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
feed = ['sunflower', 'casein', 'meatmeal', 'soybean', 'linseed', 'horsebean']
weight = [385, 271, 330, 312, 127, 208]
ax.bar([str(c) for c in feed], weight)
ax.set_xlabel('feed')
ax.set_ylabel('weight')
ax.set_title('Mean chick weight by feed (g)')
plt.tight_layout()
plt.show()
