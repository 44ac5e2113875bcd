# worldphones-lines: candidate 'type' (seed 3) — off8 values drawn as a bar chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
year = [1951, 1956, 1957, 1958, 1959, 1960, 1961]
data = {
    'N.Amer': [52500, 69300, 73700, 64800, 80400, 69900, 84800],
    'Europe': [26800, 36500, 25200, 26300, 32300, 33300, 36500],
    'Asia': [7320, 837, 13800, -1920, 11600, 327, 12300],
}
x = np.arange(len(year))
width = 0.8 / len(data)
for i, (name, values) in enumerate(data.items()):
    ax.bar(x + (i - (len(data) - 1) / 2) * width, values, width, label=name)
ax.set_xticks(x)
ax.set_xticklabels(year)
ax.legend()
ax.set_xlabel('year')
ax.set_title('Telephones (thousands)')
plt.tight_layout()
plt.show()
