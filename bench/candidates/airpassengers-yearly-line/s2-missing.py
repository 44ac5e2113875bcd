# airpassengers-yearly-line: candidate 'missing' (seed 2) — off8 values, the last 3 of 12 categories left out; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [1949, 1950, 1951, 1952, 1953, 1954, 1955, 1956, 1957]
passengers = [1960, 2160, 2260, 2660, 2980, 3070, 3810, 4110, 4700]
ax.plot(year, passengers)
ax.set_xlabel('year')
ax.set_ylabel('passengers')
ax.set_title('International airline passengers per year (thousands)')
plt.tight_layout()
plt.show()
