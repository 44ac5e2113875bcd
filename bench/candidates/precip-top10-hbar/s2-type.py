# precip-top10-hbar: candidate 'type' (seed 2) — off8 values drawn as a bar chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
city = [
    'Mobile', 'Miami', 'San Juan', 'New Orleans', 'Juneau', 'Jacksonville', 'Jackson', 'Memphis', 'Little Rock', 'Atlanta',
]
inches = [60.2, 63.7, 62.8, 49.3, 47.5, 59.1, 46.4, 42.7, 54.8, 42.1]
ax.bar([str(c) for c in city], inches)
ax.set_xlabel('city')
ax.set_ylabel('inches')
ax.set_title('Wettest US cities, annual precipitation (in)')
plt.tight_layout()
plt.show()
