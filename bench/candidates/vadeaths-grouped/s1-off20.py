# vadeaths-grouped: candidate 'off20' (seed 1) — values off by 20 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
categories = ['Rural Male', 'Rural Female', 'Urban Male', 'Urban Female']
data = {
    '50-54': [28.8, 18.5, 33.7, 23.8],
    '55-59': [6.86, 23.3, 38.4, 28.7],
    '60-64': [45.1, 9.63, 17.8, 31.5],
    '65-69': [59.8, 22, 71.7, 21.4],
    '70-74': [58.2, 45.8, 51.1, 35.4],
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
