# worldphones-lines: candidate 'off8' (seed 1) — values off by 8 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [1951, 1956, 1957, 1958, 1959, 1960, 1961]
data = {
    'N.Amer': [50200, 55200, 59900, 59700, 62600, 84500, 84500],
    'Europe': [25100, 39200, 40400, 27500, 43100, 32300, 50400],
    'Asia': [-6330, 9340, -1520, 3170, 1100, 1550, 17600],
}
for name, values in data.items():
    ax.plot(year, values, marker='o', label=name)
ax.legend()
ax.set_xlabel('year')
ax.set_title('Telephones (thousands)')
plt.tight_layout()
plt.show()
