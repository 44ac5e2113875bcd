# titanic-stacked: candidate 'type' (seed 2) — off8 values drawn as a grouped bar chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
categories = ['1st', '2nd', '3rd', 'Crew']
data = {
    'survived_no': [185, 115, 613, 596],
    'survived_yes': [119, 75.3, 130, 257],
}
x = np.arange(len(categories))
width = 0.8 / len(data)
for i, (name, values) in enumerate(data.items()):
    ax.bar(x + (i - (len(data) - 1) / 2) * width, values, width, label=name)
ax.set_xticks(x)
ax.set_xticklabels(categories)
ax.legend()
ax.set_xlabel('class')
ax.set_title('Titanic passengers and crew by class')
plt.tight_layout()
plt.show()
