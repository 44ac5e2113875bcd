# chickwts-bar-labels: candidate 'off35' (seed 2) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
feed = ['sunflower', 'casein', 'meatmeal', 'soybean', 'linseed', 'horsebean']
weight = [392, 418, 403, 413, 376, 227]
ax.bar([str(c) for c in feed], weight)
ax.set_xlabel('feed')
ax.set_ylabel('weight')
ax.set_title('Mean chick weight by feed (g)')
plt.tight_layout()
plt.show()
