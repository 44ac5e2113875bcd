# gp-grouped: candidate 'off20' (seed 2) — values off by 20 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
quarter = ['Q1', 'Q2', 'Q3', 'Q4']
data = {
    'north': [26.8, 60.9, 28.8, 72.1],
    'south': [45.7, 40.7, 65.8, 39.4],
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
