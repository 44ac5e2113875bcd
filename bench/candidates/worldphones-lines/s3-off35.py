# worldphones-lines: candidate 'off35' (seed 3) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [1951, 1956, 1957, 1958, 1959, 1960, 1961]
data = {
    'N.Amer': [25100, 44100, 89400, 98300, 53000, 103000, 60100],
    'Europe': [6830, -195, 51600, 63600, -820, 18400, 25200],
    'Asia': [-33000, 23000, 41300, 39900, 28000, -32100, 40700],
}
for name, values in data.items():
    ax.plot(year, values, marker='o', label=name)
ax.legend()
ax.set_xlabel('year')
ax.set_title('Telephones (thousands)')
plt.tight_layout()
plt.show()
