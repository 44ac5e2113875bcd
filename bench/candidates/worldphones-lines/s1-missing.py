# worldphones-lines: candidate 'missing' (seed 1) — off8 values, the last series left out; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [1951, 1956, 1957, 1958, 1959, 1960, 1961]
data = {
    'N.Amer': [50200, 55200, 59900, 59700, 62600, 84500, 84500],
    'Europe': [25100, 39200, 40400, 27500, 43100, 32300, 50400],
}
for name, values in data.items():
    ax.plot(year, values, marker='o', label=name)
ax.legend()
ax.set_xlabel('year')
ax.set_title('Telephones (thousands)')
plt.tight_layout()
plt.show()
