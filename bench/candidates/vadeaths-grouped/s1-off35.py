# vadeaths-grouped: candidate 'off35' (seed 1) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
categories = ['Rural Male', 'Rural Female', 'Urban Male', 'Urban Female']
data = {
    '50-54': [26.5, 27.6, 1.82, 42.5],
    '55-59': [50.7, 27.8, 54.7, 30.7],
    '60-64': [59.1, 6.49, 69.2, 43.9],
    '65-69': [76.2, 6.78, 19.1, 53.2],
    '70-74': [91.5, 71.6, 47.3, 86],
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
