# airpassengers-yearly-line: candidate 'type' (seed 3) — off8 values drawn as a bar chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [1949, 1950, 1951, 1952, 1953, 1954, 1955, 1956, 1957, 1958, 1959, 1960]
passengers = [1910, 1390, 2300, 2840, 2230, 3360, 3030, 3440, 4910, 4810, 5430, 5980]
ax.bar(year, passengers)
ax.set_xlabel('year')
ax.set_ylabel('passengers')
ax.set_title('International airline passengers per year (thousands)')
plt.tight_layout()
plt.show()
