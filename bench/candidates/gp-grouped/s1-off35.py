# gp-grouped: candidate 'off35' (seed 1) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
quarter = ['Q1', 'Q2', 'Q3', 'Q4']
data = {
    'north': [67.6, 75.2, 59.4, 72],
    'south': [49.3, 26.7, 36.3, 70.5],
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
