# us-expenditure-grouped: candidate 'off35' (seed 2) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
categories = ['1940', '1960']
data = {
    'Food and Tobacco': [4.72, 108],
    'Household Operation': [28.3, 78.8],
    'Medical and Health': [39.9, 5.87],
    'Personal Care': [32.9, 26.1],
    'Private Education': [19.1, 38.6],
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
