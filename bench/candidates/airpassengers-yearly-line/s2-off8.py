# airpassengers-yearly-line: candidate 'off8' (seed 2) — values off by 8 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [1949, 1950, 1951, 1952, 1953, 1954, 1955, 1956, 1957, 1958, 1959, 1960]
passengers = [1960, 2160, 2260, 2660, 2980, 3070, 3810, 4110, 4700, 5040, 4950, 6170]
ax.plot(year, passengers)
ax.set_xlabel('year')
ax.set_ylabel('passengers')
ax.set_title('International airline passengers per year (thousands)')
plt.tight_layout()
plt.show()
