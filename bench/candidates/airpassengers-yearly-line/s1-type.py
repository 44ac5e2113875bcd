# airpassengers-yearly-line: candidate 'type' (seed 1) — off8 values drawn as a bar chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
year = [1949, 1950, 1951, 1952, 1953, 1954, 1955, 1956, 1957, 1958, 1959, 1960]
passengers = [1250, 2120, 1690, 2090, 3030, 2450, 3610, 3670, 4780, 4990, 5500, 6200]
ax.bar(year, passengers)
ax.set_xlabel('year')
ax.set_ylabel('passengers')
ax.set_title('International airline passengers per year (thousands)')
plt.tight_layout()
plt.show()
