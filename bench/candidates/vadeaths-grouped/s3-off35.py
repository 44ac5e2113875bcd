# vadeaths-grouped: candidate 'off35' (seed 3) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
categories = ['Rural Male', 'Rural Female', 'Urban Male', 'Urban Female']
data = {
    '50-54': [43.8, 42.4, 35.9, 43.4],
    '55-59': [33.8, 25.5, 10.3, 48.3],
    '60-64': [52.1, 7.16, 23.7, 39],
    '65-69': [65.7, 15.5, 19.6, 15.5],
    '70-74': [47.2, 71.4, 90.5, 32.1],
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
