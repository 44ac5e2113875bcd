# vadeaths-grouped: candidate 'type' (seed 3) — off8 values drawn as a stacked bar chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
categories = ['Rural Male', 'Rural Female', 'Urban Male', 'Urban Female']
data = {
    '50-54': [16.8, 16.9, 7.68, 12.7],
    '55-59': [9.61, 19, 31, 8.27],
    '60-64': [19.4, 14.2, 43.8, 23.4],
    '65-69': [33, 38.7, 62.5, 42.7],
    '70-74': [62.6, 49.3, 79.1, 55.4],
}
bottom = [0] * len(categories)
for name, values in data.items():
    ax.bar([str(c) for c in categories], values, bottom=bottom, label=name)
    bottom = [b + v for b, v in zip(bottom, values)]
ax.legend()
ax.set_title('Death rates in Virginia (1940) per 1000')
plt.tight_layout()
plt.show()
