# AirPassengers: international airline passengers per year, thousands (R base line plot), 800x600
import matplotlib.pyplot as plt

years = list(range(1949, 1961))
passengers = [1520, 1676, 2042, 2364, 2700, 2867, 3408, 3939, 4421, 4572, 5140, 5714]

fig = plt.figure(figsize=(8, 6), dpi=100)
ax = fig.add_axes([0.1026, 0.1690, 0.8449, 0.6945])
ax.plot(years, passengers, color='black', linewidth=0.8, marker='o', markersize=6)
ax.set_xlim(1948.56, 1960.44)
ax.set_ylim(1352.2, 5881.8)
for s in ax.spines.values():
    s.set_linewidth(0.9)
ax.set_xticks(range(1950, 1961, 2))
ax.set_yticks([2000, 3000, 4000, 5000])
ax.tick_params(axis='both', length=5, width=0.9, labelsize=13)
ax.tick_params(axis='y', labelrotation=90, pad=8)
for lab in ax.get_yticklabels():
    lab.set_verticalalignment('center')
ax.tick_params(axis='x', pad=10)
ax.set_xlabel('Year', fontsize=13, labelpad=18)
ax.set_ylabel('Passengers', fontsize=13, labelpad=18)
ax.set_title('International airline passengers per year (thousands)', fontsize=14.5, fontweight='bold', pad=24)
