# vadeaths-grouped: candidate 'off8' (seed 2) — values off by 8 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
categories = ['Rural Male', 'Rural Female', 'Urban Male', 'Urban Female']
data = {
    '50-54': [19.1, 13.5, 11.1, 5.46],
    '55-59': [14.6, 16.6, 19.9, 20.9],
    '60-64': [32.1, 23.5, 42.1, 14.9],
    '65-69': [36.2, 35.2, 51.7, 42.1],
    '70-74': [74.3, 48.2, 67.7, 58.5],
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
