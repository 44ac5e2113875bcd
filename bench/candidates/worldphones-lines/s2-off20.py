# worldphones-lines: candidate 'off20' (seed 2) — values off by 20 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [1951, 1956, 1957, 1958, 1959, 1960, 1961]
data = {
    'N.Amer': [25800, 45000, 44500, 87400, 89700, 53600, 62000],
    'Europe': [37000, 7290, 11500, 22700, 21200, 60900, 27500],
    'Asia': [-11800, -5230, 22600, 14700, -14100, 25600, 19500],
}
for name, values in data.items():
    ax.plot(year, values, marker='o', label=name)
ax.legend()
ax.set_xlabel('year')
ax.set_title('Telephones (thousands)')
plt.tight_layout()
plt.show()
