# vadeaths-grouped: candidate 'off20' (seed 2) — values off by 20 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
categories = ['Rural Male', 'Rural Female', 'Urban Male', 'Urban Female']
data = {
    '50-54': [2.95, 28.4, 2.81, 19.4],
    '55-59': [38.6, 30.7, 36.2, 30.1],
    '60-64': [48.1, 31.3, 44.1, 4.28],
    '65-69': [59.3, 19.7, 43.8, 51.2],
    '70-74': [77.4, 36.8, 78.7, 61.2],
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
