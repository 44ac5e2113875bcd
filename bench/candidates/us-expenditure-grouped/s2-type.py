# us-expenditure-grouped: candidate 'type' (seed 2) — off8 values drawn as a stacked bar chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
categories = ['1940', '1960']
data = {
    'Food and Tobacco': [18.1, 77.4],
    'Household Operation': [3.69, 51.8],
    'Medical and Health': [8.3, 16.9],
    'Personal Care': [7.08, 15.2],
    'Private Education': [5.36, 13.1],
}
bottom = [0] * len(categories)
for name, values in data.items():
    ax.bar([str(c) for c in categories], values, bottom=bottom, label=name)
    bottom = [b + v for b, v in zip(bottom, values)]
ax.legend()
ax.set_title('US personal expenditure (billions of dollars)')
plt.tight_layout()
plt.show()
