# chickwts-bar-labels: candidate 'type' (seed 2) — off8 values drawn as a line chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
feed = ['sunflower', 'casein', 'meatmeal', 'soybean', 'linseed', 'horsebean']
weight = [361, 349, 311, 262, 252, 142]
ax.plot(feed, weight, marker='o')
ax.set_xlabel('feed')
ax.set_ylabel('weight')
ax.set_title('Mean chick weight by feed (g)')
plt.tight_layout()
plt.show()
