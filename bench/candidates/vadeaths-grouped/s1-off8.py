# vadeaths-grouped: candidate 'off8' (seed 1) — values off by 8 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
categories = ['Rural Male', 'Rural Female', 'Urban Male', 'Urban Female']
data = {
    '50-54': [5.96, 13, 20.3, 15.7],
    '55-59': [13.7, 18, 19.2, 6.06],
    '60-64': [31.1, 15.4, 44.2, 14.2],
    '65-69': [45, 24.4, 48.8, 41.5],
    '70-74': [60.8, 48.5, 75.6, 46.8],
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
