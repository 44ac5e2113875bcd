# vadeaths-grouped: candidate 'missing' (seed 3) — off8 values, the last series left out; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
categories = ['Rural Male', 'Rural Female', 'Urban Male', 'Urban Female']
data = {
    '50-54': [16.8, 16.9, 7.68, 12.7],
    '55-59': [9.61, 19, 31, 8.27],
    '60-64': [19.4, 14.2, 43.8, 23.4],
    '65-69': [33, 38.7, 62.5, 42.7],
}
x = np.arange(len(categories))
width = 0.8 / len(data)
for i, (name, values) in enumerate(data.items()):
    ax.bar(x + (i - (len(data) - 1) / 2) * width, values, width, label=name)
ax.set_xticks(x)
ax.set_xticklabels(categories)
ax.legend()
ax.set_title('Death rates in Virginia (1940) per 1000')
plt.tight_layout()
plt.show()
