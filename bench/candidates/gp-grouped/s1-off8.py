# gp-grouped: candidate 'off8' (seed 1) — values off by 8 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
quarter = ['Q1', 'Q2', 'Q3', 'Q4']
data = {
    'north': [45.9, 46.7, 32, 55.1],
    'south': [38.1, 41.4, 61.8, 51.8],
}
x = np.arange(len(quarter))
width = 0.8 / len(data)
for i, (name, values) in enumerate(data.items()):
    ax.bar(x + (i - (len(data) - 1) / 2) * width, values, width, label=name)
ax.set_xticks(x)
ax.set_xticklabels(quarter)
ax.legend()
ax.set_xlabel('quarter')
ax.set_title('Sales by quarter')
plt.tight_layout()
plt.show()
