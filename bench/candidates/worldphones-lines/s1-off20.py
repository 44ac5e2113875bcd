# worldphones-lines: candidate 'off20' (seed 1) — values off by 20 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [1951, 1956, 1957, 1958, 1959, 1960, 1961]
data = {
    'N.Amer': [57900, 39200, 73100, 52600, 49200, 64300, 66100],
    'Europe': [13600, 39200, 17800, 56100, 26700, 54300, 35300],
    'Asia': [18600, -15700, 17600, -6530, 21300, -12000, -13200],
}
for name, values in data.items():
    ax.plot(year, values, marker='o', label=name)
ax.legend()
ax.set_xlabel('year')
ax.set_title('Telephones (thousands)')
plt.tight_layout()
plt.show()
