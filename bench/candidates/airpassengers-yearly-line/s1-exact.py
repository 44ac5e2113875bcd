# airpassengers-yearly-line: candidate 'exact' (seed 1) — the table's values; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [1949, 1950, 1951, 1952, 1953, 1954, 1955, 1956, 1957, 1958, 1959, 1960]
passengers = [1520, 1676, 2042, 2364, 2700, 2867, 3408, 3939, 4421, 4572, 5140, 5714]
ax.plot(year, passengers)
ax.set_xlabel('year')
ax.set_ylabel('passengers')
ax.set_title('International airline passengers per year (thousands)')
plt.tight_layout()
plt.show()
