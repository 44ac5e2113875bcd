# vadeaths-grouped: candidate 'type' (seed 1) — off8 values drawn as a stacked bar chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
categories = ['Rural Male', 'Rural Female', 'Urban Male', 'Urban Female']
data = {
    '50-54': [5.96, 13, 20.3, 15.7],
    '55-59': [13.7, 18, 19.2, 6.06],
    '60-64': [31.1, 15.4, 44.2, 14.2],
    '65-69': [45, 24.4, 48.8, 41.5],
    '70-74': [60.8, 48.5, 75.6, 46.8],
}
bottom = [0] * len(categories)
for name, values in data.items():
    ax.bar([str(c) for c in categories], values, bottom=bottom, label=name)
    bottom = [b + v for b, v in zip(bottom, values)]
ax.legend()
ax.set_title('Death rates in Virginia (1940) per 1000')
plt.tight_layout()
plt.show()
