# gp-grouped: candidate 'off20' (seed 1) — values off by 20 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
quarter = ['Q1', 'Q2', 'Q3', 'Q4']
data = {
    'north': [33.2, 37.9, 49.2, 53.3],
    'south': [18.6, 37.2, 72.8, 62.4],
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
