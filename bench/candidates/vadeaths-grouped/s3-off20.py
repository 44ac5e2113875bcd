# vadeaths-grouped: candidate 'off20' (seed 3) — values off by 20 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
categories = ['Rural Male', 'Rural Female', 'Urban Male', 'Urban Female']
data = {
    '50-54': [23.6, 19.7, 29.5, 29.5],
    '55-59': [7.26, 4.31, 43.2, 23.3],
    '60-64': [17.2, 41.3, 50.7, 33.8],
    '65-69': [62.2, 13.7, 71.5, 23.3],
    '70-74': [48.1, 69, 59.6, 59],
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
