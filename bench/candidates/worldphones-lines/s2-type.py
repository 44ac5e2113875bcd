# worldphones-lines: candidate 'type' (seed 2) — off8 values drawn as a bar chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
year = [1951, 1956, 1957, 1958, 1959, 1960, 1961]
data = {
    'N.Amer': [49800, 56000, 58400, 73500, 64100, 70700, 71900],
    'Europe': [17400, 37300, 23700, 42900, 32600, 45000, 51800],
    'Asia': [-3120, 726, 9460, 14900, 15800, 16100, 13000],
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
