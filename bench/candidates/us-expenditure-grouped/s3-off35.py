# us-expenditure-grouped: candidate 'off35' (seed 3) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
categories = ['1940', '1960']
data = {
    'Food and Tobacco': [43.8, 119],
    'Household Operation': [28.7, 64.2],
    'Medical and Health': [32.8, 45.3],
    'Personal Care': [20.3, 32.7],
    'Private Education': [17.4, 39.9],
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
