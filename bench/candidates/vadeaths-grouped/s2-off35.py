# vadeaths-grouped: candidate 'off35' (seed 2) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
categories = ['Rural Male', 'Rural Female', 'Urban Male', 'Urban Female']
data = {
    '50-54': [45.6, 39.7, 45.5, 22.9],
    '55-59': [33.2, 38.8, 60.5, 36],
    '60-64': [12.8, 55, 53.7, 39],
    '65-69': [70.3, 9.68, 91.1, 65.2],
    '70-74': [78.8, 84.4, 105, 83],
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
