# chickwts-bar-labels: candidate 'exact' (seed 2) — the table's values; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
feed = ['sunflower', 'casein', 'meatmeal', 'soybean', 'linseed', 'horsebean']
weight = [328.916666666667, 323.583333333333, 276.909090909091, 246.428571428571, 218.75, 160.2]
ax.bar([str(c) for c in feed], weight)
ax.set_xlabel('feed')
ax.set_ylabel('weight')
ax.set_title('Mean chick weight by feed (g)')
plt.tight_layout()
plt.show()
