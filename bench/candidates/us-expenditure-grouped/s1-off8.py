# us-expenditure-grouped: candidate 'off8' (seed 1) — values off by 8 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
categories = ['1940', '1960']
data = {
    'Food and Tobacco': [27.3, 81.1],
    'Household Operation': [3.46, 56.5],
    'Medical and Health': [11.8, 13.4],
    'Personal Care': [11, 14.6],
    'Private Education': [5.88, 9.16],
}
x = np.arange(len(categories))
width = 0.8 / len(data)
for i, (name, values) in enumerate(data.items()):
    ax.bar(x + (i - (len(data) - 1) / 2) * width, values, width, label=name)
ax.set_xticks(x)
ax.set_xticklabels(categories)
ax.legend()
ax.set_title('US personal expenditure (billions of dollars)')
plt.tight_layout()
plt.show()
