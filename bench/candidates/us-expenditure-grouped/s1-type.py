# us-expenditure-grouped: candidate 'type' (seed 1) — off8 values drawn as a stacked bar chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
categories = ['1940', '1960']
data = {
    'Food and Tobacco': [27.3, 81.1],
    'Household Operation': [3.46, 56.5],
    'Medical and Health': [11.8, 13.4],
    'Personal Care': [11, 14.6],
    'Private Education': [5.88, 9.16],
}
bottom = [0] * len(categories)
for name, values in data.items():
    ax.bar([str(c) for c in categories], values, bottom=bottom, label=name)
    bottom = [b + v for b, v in zip(bottom, values)]
ax.legend()
ax.set_title('US personal expenditure (billions of dollars)')
plt.tight_layout()
plt.show()
