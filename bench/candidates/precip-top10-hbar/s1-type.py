# precip-top10-hbar: candidate 'type' (seed 1) — off8 values drawn as a bar chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
city = [
    'Mobile', 'Miami', 'San Juan', 'New Orleans', 'Juneau', 'Jacksonville', 'Jackson', 'Memphis', 'Little Rock', 'Atlanta',
]
inches = [64, 54.9, 51.5, 64.2, 59.9, 57.8, 52.7, 54.5, 42.9, 43.8]
ax.bar([str(c) for c in city], inches)
ax.set_xlabel('city')
ax.set_ylabel('inches')
ax.set_title('Wettest US cities, annual precipitation (in)')
plt.tight_layout()
plt.show()
