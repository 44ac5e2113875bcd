# gp-grouped: candidate 'type' (seed 1) — off8 values drawn as a stacked bar chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
quarter = ['Q1', 'Q2', 'Q3', 'Q4']
data = {
    'north': [45.9, 46.7, 32, 55.1],
    'south': [38.1, 41.4, 61.8, 51.8],
}
bottom = [0] * len(quarter)
for name, values in data.items():
    ax.bar([str(c) for c in quarter], values, bottom=bottom, label=name)
    bottom = [b + v for b, v in zip(bottom, values)]
ax.legend()
ax.set_xlabel('quarter')
ax.set_title('Sales by quarter')
plt.tight_layout()
plt.show()
