# vadeaths-grouped: candidate 'exact' (seed 2) — the table's values; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
categories = ['Rural Male', 'Rural Female', 'Urban Male', 'Urban Female']
data = {
    '50-54': [11.7, 8.7, 15.4, 8.4],
    '55-59': [18.1, 11.7, 24.3, 13.6],
    '60-64': [26.9, 20.3, 37, 19.3],
    '65-69': [41, 30.9, 54.6, 35.1],
    '70-74': [66, 54.3, 71.1, 50],
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
