# us-expenditure-grouped: candidate 'exact' (seed 1) — the table's values; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
categories = ['1940', '1960']
data = {
    'Food and Tobacco': [22.2, 86.8],
    'Household Operation': [10.5, 46.2],
    'Medical and Health': [3.53, 21.1],
    'Personal Care': [1.04, 5.4],
    'Private Education': [0.341, 3.64],
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
