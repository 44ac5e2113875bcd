# airpassengers-yearly-line: candidate 'off35' (seed 3) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [1949, 1950, 1951, 1952, 1953, 1954, 1955, 1956, 1957, 1958, 1959, 1960]
passengers = [3480, 2790, 922, 3770, 4050, 1860, 1440, 2330, 2390, 2660, 4330, 7870]
ax.plot(year, passengers)
ax.set_xlabel('year')
ax.set_ylabel('passengers')
ax.set_title('International airline passengers per year (thousands)')
plt.tight_layout()
plt.show()
