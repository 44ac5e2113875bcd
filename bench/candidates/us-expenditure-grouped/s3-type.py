# us-expenditure-grouped: candidate 'type' (seed 3) — off8 values drawn as a stacked bar chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
categories = ['1940', '1960']
data = {
    'Food and Tobacco': [13.6, 90.5],
    'Household Operation': [19.2, 38.6],
    'Medical and Health': [12.1, 27.7],
    'Personal Care': [7.39, 13],
    'Private Education': [5.79, 10],
}
bottom = [0] * len(categories)
for name, values in data.items():
    ax.bar([str(c) for c in categories], values, bottom=bottom, label=name)
    bottom = [b + v for b, v in zip(bottom, values)]
ax.legend()
ax.set_title('US personal expenditure (billions of dollars)')
plt.tight_layout()
plt.show()
